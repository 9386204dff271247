"""A real Learning Record Store for the xAPI tests: Ralph (`ralph-malph` from PyPI) with its
file-system backend, on a loopback port, with one basic-auth account.

    python3 lrs_server.py PORT DIRECTORY KEY SECRET

Exits 3 with MISSING-RALPH on stderr when ralph-malph (with its `lrs` extra) is not installed.
"""

import importlib.util
import json
import os
import sys


def main() -> None:
    port, directory, key, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    for module in ("ralph.api", "uvicorn", "bcrypt", "fastapi"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:
            found = False
        if not found:
            print(f"MISSING-RALPH: {module} is not importable", file=sys.stderr)
            sys.exit(3)
    import bcrypt

    statements = os.path.join(directory, "statements")
    os.makedirs(statements, exist_ok=True)
    auth = os.path.join(directory, "auth.json")
    with open(auth, "w", encoding="utf-8") as f:
        json.dump(
            [
                {
                    "agent": {"mbox": "mailto:lrs@example.org", "objectType": "Agent", "name": "Trainyard tests"},
                    "scopes": ["all"],
                    "hash": bcrypt.hashpw(secret.encode(), bcrypt.gensalt(4)).decode(),
                    "username": key,
                }
            ],
            f,
        )
    # Ralph reads its settings from the environment when it is imported.
    os.environ["RALPH_APP_DIR"] = directory
    os.environ["RALPH_AUTH_FILE"] = auth
    os.environ["RALPH_RUNSERVER_BACKEND"] = "fs"
    os.environ["RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH"] = statements
    import uvicorn
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    # Ralph's file-system LRS backend writes with its data backend's default mode, CREATE, which
    # refuses a second write to the statements file (ralph-malph 5.1.0: every statement after the
    # first answers 500). Its documented APPEND mode keeps one JSON line per statement, which is
    # what an LRS needs; the API's validation and de-duplication by id are untouched.
    FSLRSBackend.default_operation_type = BaseOperationType.APPEND

    uvicorn.run("ralph.api:app", host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
