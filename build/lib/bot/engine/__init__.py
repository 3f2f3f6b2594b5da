"""Rule files -> durable-rules: load and check, text features, compile, run, reload.

yamlfile.py   YAML with line numbers, so every problem names file:line
schema.py     what a rule file may contain (pydantic, extra keys forbidden)
text.py       the small Python step: text -> matched term ids (casefolded, accent-folded)
patterns.py   /regex/ terms on RE2 (linear time); what RE2 cannot express is refused
loader.py     a rules directory -> a checked RuleSet (rules, SLA policy, examples)
compiler.py   a RuleSet -> a durable-rules ruleset definition
runner.py     the one engine owner: serialised calls, fresh session per report, hot swap
"""
