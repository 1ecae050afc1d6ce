"""An article's life cycle, the bottom layer: its states and events, each
defined once (states.py, events.py), and the pure machine that decides
(machine.py). workflow/transition.py is the one service that applies an event."""
