"""Identity: access tokens, sign-in cookies with CSRF protection, password reset, rate limits."""
