"""Pure rules: no Slack, no HTTP, no database."""
