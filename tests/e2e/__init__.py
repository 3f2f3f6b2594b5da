"""End-to-end tests: a report in at one end (real dovecot), a Slack message (the fake Web API)
and an email (the aiosmtpd sink) out at the other, through the whole running service."""
