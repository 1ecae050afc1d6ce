"""An article's life cycle: its states and events, each defined once
(states.py, events.py), the pure machine that decides (machine.py), and the
one service that applies an event (service.py)."""
