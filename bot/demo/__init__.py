"""``python -m bot demo``: the bridge on its emulators, with a Slack-like page at ``/demo``.

- :mod:`bot.demo.mrkdwn` and :mod:`bot.demo.render` turn what the bot sends to Slack (mrkdwn,
  Block Kit messages, modals, the App Home) into HTML, as a viewer in a given time zone and
  language would see it: the page uses them, and so can any test (``render_blocks(blocks)``).
- :mod:`bot.demo.front` plays Slack's client side: signed slash commands, ``block_actions``,
  ``view_submission`` and ``app_home_opened`` to the bot, modal stacks per person.
- :mod:`bot.demo.world` seeds the emulators; :mod:`bot.demo.server` composes the bot app with
  the page's routes; :mod:`bot.demo.cli` is the command. Only the last three need the project's
  checkout (``tests/emulators``); the renderer has no such need.
"""
