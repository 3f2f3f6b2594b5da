"""Phone adapter: call logs (Asterisk CDR, CSV exports, JSON Lines) into Reports."""
