"""English messages. Keys and placeholders must match ja.py (tests/unit/test_i18n.py)."""

MESSAGES: dict[str, str] = {
    # /questetra help
    "help.title": "Questetra in Slack",
    "help.intro": "Work with your Questetra tasks without leaving Slack. Sub-commands of `{command}`:",
    "help.cmd.connect": "Link your Questetra account (you approve it in Questetra).",
    "help.cmd.connect_basic": "Link with your e-mail and API password, where your admin allows it.",
    "help.cmd.disconnect": "Unlink your Questetra account and stop your alerts.",
    "help.cmd.status": "Show whom you are linked as and how healthy the link is.",
    "help.cmd.tasks": "List your tasks and the tasks offered to you; filter with words.",
    "help.cmd.start": "Start a process from a form your admin set up.",
    "help.cmd.alerts": "New-task alerts: on, off, or quiet hours such as `quiet 19:00-08:00`.",
    "help.cmd.subscribe": "Post new processes of an app to this channel.",
    "help.cmd.unsubscribe": "Stop posting an app's processes to this channel.",
    "help.cmd.subscriptions": "List this channel's subscriptions.",
    "help.cmd.webhook": "Create a secret URL a workflow can post messages to.",
    "help.cmd.admin": "Admins: linked users, revoke links, Basic auth, start events, audit log.",
    "help.cmd.help": "Show this help.",
    "help.footer": "Replies from this command are visible only to you.",
    # Unknown or unavailable sub-commands
    "command.unknown": "`{command} {sub}` is not a command I know.",
    "command.did_you_mean": "Did you mean `{command} {suggestion}`?",
    "command.see_help": "Type `{command} help` to see everything I can do.",
    # App Home
    "home.title": "Questetra",
    "home.welcome": "Your Questetra tasks, alerts and processes, right here in Slack.",
    "home.not_linked": "You have not linked your Questetra account yet.",
    "home.linked_as": "Linked as *{name}* ({email}) with {method}.",
    "home.needs_relink": "Your Questetra link has expired. Link it again to keep receiving tasks.",
    "home.paused": "An admin has paused the bridge. Nothing is sent to Questetra for now.",
    "home.help_hint": "Type `{command} help` in any channel to see every command.",
    "method.oauth": "OAuth",
    "method.basic": "API password",
    # Buttons
    "button.connect": "Connect Questetra",
    "button.relink": "Re-link Questetra",
    "button.help": "Help",
    # Linking
    "connect.prompt": (
        "Link your Questetra account: press the button, sign in to Questetra if asked, and "
        "approve. The button works once and expires in 10 minutes."
    ),
    "connect.replaces": "You are linked as *{name}* ({email}); linking again replaces that link.",
    "connect.basic_hint": "You can also link with your API password: `{command} connect basic`.",
    "button.open_questetra_consent": "Link in Questetra",
    "linked.dm": "Linked as *{name}* ({email}). Try `{command} tasks` to see your tasks.",
    "relink.dm": (
        "Your Questetra link stopped working (it expired or was revoked), so I can no longer "
        "check your tasks. Link it again to continue."
    ),
    "relink.expiring_dm": (
        "Your Questetra link runs out in a few days (Questetra allows 30 days). Link again now "
        "to keep receiving your tasks without a gap."
    ),
    "admin.client_refused_dm": (
        "Questetra refused the bridge's OAuth client (it was deactivated or deleted). Calls to "
        "Questetra with OAuth links are failing. Fix it in Questetra: System Settings > API "
        "Clients. Links are kept and work again once the client is active."
    ),
    "disconnect.done": (
        "Your Questetra account is no longer linked and your alerts have stopped. To also revoke "
        "the bridge's access on Questetra's side, remove it in your Questetra account settings."
    ),
    "disconnect.not_linked": "You have no Questetra account linked.",
    "status.not_linked": "You have not linked a Questetra account. Use `{command} connect`.",
    "status.linked": "Linked as *{name}* ({email}) with {method} since {since}.",
    "status.needs_relink": ":warning: The link needs to be renewed: use `{command} connect`.",
    "status.access_expiry": "Access token valid until {when}.",
    "status.refresh_age": "Refresh token issued {days} day(s) ago (valid 30 days).",
    "status.last_error": "Last error ({when}): {error}",
    "status.no_errors": "No errors so far.",
    "basic.title": "API password",
    "basic.intro": (
        "Enter the e-mail address of your Questetra account and your *API password*. Find it in "
        "Questetra: Account Settings > Password > API Password. It is not your login password."
    ),
    "basic.email": "Questetra e-mail address",
    "basic.password": "API password",
    "basic.submit": "Link",
    "basic.cancel": "Cancel",
    "basic.wrong_password": (
        "This e-mail and API password did not link. Use the e-mail of your own Slack profile "
        "(or the address your admin mapped for you) and your Questetra API password."
    ),
    "basic.throttled": (
        "Too many attempts. Wait 15 minutes, then try again; if you forgot your API password, "
        "set a new one in Questetra (Account Settings > API Password)."
    ),
    "basic.email_mismatch": (
        "This Questetra account's e-mail is not your Slack e-mail. You can only link your own account."
    ),
    "basic.email_hidden": (
        "Slack did not give me your e-mail address, so I cannot check that this account is yours. "
        "Ask a Slack admin to map it: `/questetra admin map @you your-questetra@e-mail`."
    ),
    "basic.questetra_down": "Questetra is not answering. Please try again in a minute.",
    "basic.invalid_email": "Enter an e-mail address.",
    # Browser pages after Questetra's consent
    "page.linked": "Linked as {name} ({email}). You can close this tab and go back to Slack.",
    "page.denied": "Linking was cancelled. Nothing was stored. Run `/questetra connect` to try again.",
    "page.expired": "This link has expired. Run `/questetra connect` in Slack for a new one.",
    "page.invalid_state": (
        "This link is not valid (already used, or not from Slack). Run `/questetra connect` in "
        "Slack for a new one."
    ),
    "page.email_mismatch": (
        "The Questetra account you approved ({email}) does not have your Slack e-mail address, so "
        "it was not linked. Sign in to Questetra as yourself and run `/questetra connect` again, or "
        "ask your admin."
    ),
    "page.email_hidden": (
        "Slack's e-mail address for you could not be read (the app may lack the users:read.email "
        "permission, guests and some accounts have none), so the Questetra account {email} was not "
        "linked: nothing is stored. A Slack admin can allow it with `/questetra admin map @you "
        "{email}`; then run `/questetra connect` again."
    ),
    "page.client_refused": (
        "Questetra refused the bridge's OAuth client. Please tell your admin (Questetra System "
        "Settings > API Clients)."
    ),
    "page.questetra_error": "Questetra did not complete the link. Please try `/questetra connect` again later.",
    "page.title_ok": "Questetra linked",
    "page.title_failed": "Questetra not linked",
    "error.oauth_not_configured": (
        "Linking through Questetra's consent screen is not set up on this bridge. Ask your admin, "
        "or use `connect basic` if it is enabled."
    ),
    "error.basic_disabled": "Linking with an API password is not enabled. Ask your admin, or use `connect`.",
    # Errors
    "error.internal": (
        "Something went wrong on our side. Please try again; if it keeps happening, "
        "give your admin this reference: `{ref}`."
    ),
    "error.not_linked": "Link your Questetra account first.",
    "error.needs_relink": "Your Questetra link has expired or was revoked. Please link it again.",
    "error.feature_disabled": "Your admin has not enabled this. Please ask them.",
    "error.team_not_allowed": (
        "This Slack workspace is not allowed to use this Questetra bridge. Ask the bridge's "
        "operator to add it (SLACK_ALLOWED_TEAM_IDS)."
    ),
    "error.permission_denied": "You are not allowed to do this. Please ask your admin.",
    "error.questetra_forbidden": (
        "Questetra refused this: your Questetra edition or your rights in Questetra do not allow "
        "it. Please ask your admin."
    ),
    "error.paused": "An admin has paused the bridge: nothing is sent to Questetra for now. Please ask your admin.",
    "error.questetra_unavailable": "Questetra is not answering. Please try again in a minute.",
    "error.busy": "The bridge is busy right now, so this was not done. Please try again in a minute.",
    "error.questetra_rejected": "Questetra refused this: {reason}",
    "error.bad_input": "I could not understand that. {hint}",
    "input.not_a_number": (
        "“{value}” is not a number. Type it with the digits 0-9 (half- or full-width), e.g. `12`."
    ),
    "input.not_a_mention": (
        "I cannot tell who “{name}” is. Type @ and pick the person from Slack's list, so that "
        "Slack sends me who it is."
    ),
}
