"""Real servers for the test suite: a private dovecot (IMAP), an aiosmtpd sink (SMTP), a TCP
proxy that can cut connections and the fake Slack (Web API, Socket Mode). All listen on
127.0.0.1 on free ports, share one life cycle (`tests.servers.base`) and live in temporary
directories; `tests.servers.fixtures` and `tests.servers.slack_fixtures` expose them as pytest
fixtures, and `tests.servers.wait` waits on conditions instead of sleeping."""
