"""What running Inkwell in production needs: health checks, logs, security headers, API docs."""
