"""Delivery: files under feeds/, the HTTP server, SMTP."""
