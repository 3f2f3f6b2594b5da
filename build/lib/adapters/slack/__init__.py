"""Slack and widget adapter: the widget's HTTP intake and support-channel messages into Reports."""
