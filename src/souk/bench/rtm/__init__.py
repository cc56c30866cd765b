"""``souk bench rtm``: Souk's RTM vs a python-socketio broadcast server under one load generator."""
