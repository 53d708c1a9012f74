#!/usr/bin/env python3
"""Write a deterministic user_data CSV of any size, one row at a time.

    ./make_csv.py                                  # user_data.csv, 1000 rows
    ./make_csv.py --rows 1000000 --out bench/data/users_1000000.csv

The same arguments always give the same bytes (a fixed seed).  Every field is
double-quoted, lines end with LF, the header is ``"name","email","age"``,
emails are unique and ages are integers from 1 to 120.  Rows are written as
they are made, so a million-row file needs no more memory than a short one.
"""
import argparse
import csv
import random
import sys
from pathlib import Path
from typing import Iterator, Optional, TextIO, Tuple

HERE = Path(__file__).resolve().parent
SEED = 20260101
FIRST = (
    "Ada", "Alan", "Amara", "Ana", "Arjun", "Beatriz", "Bilal", "Bongani",
    "Carmen", "Chen", "Chidi", "Dalia", "Daniel", "Dmitri", "Elena", "Emeka",
    "Esther", "Fatima", "Felix", "Grace", "Hana", "Hugo", "Ibrahim", "Ines",
    "Isaac", "Jamal", "Jin", "Joyce", "Kai", "Kemi", "Kofi", "Lars", "Layla",
    "Lucia", "Malik", "Maria", "Mateo", "Mei", "Nadia", "Nia", "Noah",
    "Olga", "Omar", "Priya", "Rafael", "Rania", "Rosa", "Samir", "Sara",
    "Sipho", "Sofia", "Tariq", "Thandi", "Tomas", "Uche", "Vera", "Wanjiru",
    "Yara", "Yusuf", "Zanele",
)
LAST = (
    "Abara", "Adeyemi", "Alvarez", "Andersen", "Baptiste", "Bello", "Brandt",
    "Castillo", "Chowdhury", "Costa", "Dlamini", "Dubois", "Eze", "Fischer",
    "Garcia", "Haddad", "Hansen", "Ito", "Ivanova", "Jensen", "Kamau",
    "Kim", "Kowalski", "Lindqvist", "Mensah", "Moreau", "Mwangi", "Nakamura",
    "Nguyen", "Novak", "Okafor", "Okonkwo", "Osei", "Park", "Petrov",
    "Quispe", "Rahman", "Rossi", "Santos", "Schmidt", "Silva", "Tanaka",
    "Torres", "Usman", "Van Dijk", "Wang", "Yilmaz", "Zhou",
)
DOMAINS = ("example.com", "example.org", "example.net", "mail.test",
           "prodev.test")
HEADER = ("name", "email", "age")


def rows(count: int, seed: int = SEED) -> Iterator[Tuple[str, str, str]]:
    """Yield ``count`` (name, email, age) rows, the same ones for a seed.

    The row number is part of the email, which keeps emails unique.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count!r}")
    rng = random.Random(seed)
    for number in range(1, count + 1):
        first = rng.choice(FIRST)
        last = rng.choice(LAST)
        local = f"{first}.{last}".lower().replace(" ", "")
        email = f"{local}{number}@{rng.choice(DOMAINS)}"
        yield f"{first} {last}", email, str(rng.randint(1, 120))


def write_csv(out: TextIO, count: int, seed: int = SEED) -> int:
    """Write the header and ``count`` rows to ``out``; return ``count``."""
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows(count, seed))
    return count


def main(argv: Optional[list] = None) -> int:
    """Parse the command line and write the file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000,
                        help="data rows to write (default 1000)")
    parser.add_argument("--out", type=Path, default=HERE / "user_data.csv",
                        help="output path, '-' for stdout "
                             "(default user_data.csv)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"random seed (default {SEED})")
    args = parser.parse_args(argv)
    if args.rows < 0:
        parser.error(f"--rows must be >= 0, got {args.rows}")
    if str(args.out) == "-":
        write_csv(sys.stdout, args.rows, args.seed)
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="", encoding="utf-8") as out:
        write_csv(out, args.rows, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
