#!/usr/bin/env python3
"""Driver for task 1: print users older than 25 in batches of 50.

Try ``./2-main.py | head -n 5``: the closed pipe ends the run quietly.
"""
import prodev_db

processing = __import__('1-batch_processing')

with prodev_db.clean_exit():
    processing.batch_processing(50)
