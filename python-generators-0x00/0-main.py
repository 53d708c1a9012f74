#!/usr/bin/env python3
"""Driver for seed.py: create the database and table, load user_data.csv.

Same shape as the curriculum's driver: it then checks the schema on the same
connection and prints the first five rows.
"""
import sys

import prodev_db

seed = __import__('seed')

connection = seed.connect_db()
if not connection:
    sys.exit(1)
seed.create_database(connection)
connection.close()
print("connection successful")

connection = seed.connect_to_prodev()
if not connection:
    sys.exit(1)
seed.create_table(connection)
seed.insert_data(connection, 'user_data.csv')
name = prodev_db.settings().database
cursor = connection.cursor()
cursor.execute("SELECT SCHEMA_NAME FROM INFORMATION_SCHEMA.SCHEMATA "
               "WHERE SCHEMA_NAME = %s", (name,))
if cursor.fetchone():
    print(f"Database {name} is present ")
cursor.execute("SELECT * FROM user_data LIMIT 5")
rows = cursor.fetchall()
print(rows)
cursor.close()
connection.close()
