"""Block Kit views, one module per thing the team sees: the ticket post and its thread
(post), reminders, the daily digest, lists and command answers, the home tab, the reason
modal, rules changes, maintenance, phone calls, the monthly report, and the team-channel
announcements (team). Shared: deadlines in words (deadlines). Each view is pure: data and
`now` in, a `SlackMessage` or view dict out.
"""
