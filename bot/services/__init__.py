"""Use cases: they combine Questetra, the database and the domain rules; no Slack types here."""
