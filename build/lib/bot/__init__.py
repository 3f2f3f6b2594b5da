"""triage: the support-triage bot's pure core (models, rules, calendars, deadlines, pipeline)."""

__version__ = "0.1.0"
