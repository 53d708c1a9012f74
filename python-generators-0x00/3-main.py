#!/usr/bin/env python3
"""Driver for task 2: print every user, page by page (pages of 100).

Try ``./3-main.py | head -n 7``: the closed pipe ends the run quietly.
"""
import prodev_db

lazy_paginator = __import__('2-lazy_paginate').lazy_paginate

with prodev_db.clean_exit():
    for page in lazy_paginator(100):
        for user in page:
            print(user)
