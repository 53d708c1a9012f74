#!/usr/bin/env python3
"""Driver for task 4: print the average age of all users."""
calculate_average_age = __import__('4-stream_ages').calculate_average_age

print(f"Average age of users: {calculate_average_age()}")
