"""Fault injection: a TCP proxy between the bot and what it talks to, and the scenarios using it."""
