"""What the site offers machines: Atom feeds, the sitemap and robots.txt."""
