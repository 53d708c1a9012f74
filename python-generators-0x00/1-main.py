#!/usr/bin/env python3
"""Driver for task 0: print the first six users from the stream."""
from itertools import islice

import prodev_db

stream_users = __import__('0-stream_users').stream_users

with prodev_db.clean_exit():
    for user in islice(stream_users(), 6):
        print(user)
