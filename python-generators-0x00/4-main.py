#!/usr/bin/env python3
"""Driver for task 4: print the average age of all users."""
import prodev_db

calculate_average_age = __import__('4-stream_ages').calculate_average_age

with prodev_db.clean_exit():
    print(f"Average age of users: {calculate_average_age()}")
