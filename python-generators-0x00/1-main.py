#!/usr/bin/env python3
"""Driver for task 0: print the first six users from the stream."""
from itertools import islice

stream_users = __import__('0-stream_users').stream_users

for user in islice(stream_users(), 6):
    print(user)
