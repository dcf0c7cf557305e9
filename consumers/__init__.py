"""The faust app: agents for the input topics, the scheduler timer, web views. Thin: decode, call the core."""
