"""Adapters: turn reports from the outside world (email, Slack, widget, phone) into Reports."""
