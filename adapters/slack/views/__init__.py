"""Block Kit views, one module per thing the team sees: the ticket post, reminders, the digest,
lists and command answers, the home tab, modals, rules changes, maintenance, phone and the
monthly report. Each is pure: data and `now` in, a `SlackMessage` or view dict out.
"""
