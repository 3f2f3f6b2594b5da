"""Real servers for the test suite: a private dovecot (IMAP), an aiosmtpd sink (SMTP) and a
TCP proxy that can cut connections. All listen on 127.0.0.1 on free ports and live in temporary
directories; `tests.servers.fixtures` exposes them as pytest fixtures."""
