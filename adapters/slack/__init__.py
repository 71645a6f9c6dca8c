"""The Slack adapter: slash command, interactivity, events and Socket Mode, on slack-bolt.

``translate`` turns payloads into neutral events, ``blocks`` renders neutral
messages and forms as Block Kit, ``respond`` carries the engine's intents back
to Slack, ``sender`` reaches people proactively for the outbox worker, and
``glue`` mounts it all on the shared aiohttp server at ``POST /slack/events``.
"""
