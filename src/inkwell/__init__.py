"""Inkwell: a blog platform on FastAPI, asynchronous from the socket to the database."""

__version__ = "0.1.0"
