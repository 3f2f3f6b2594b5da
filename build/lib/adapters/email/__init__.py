"""Email adapter: parse incoming email into Reports."""
