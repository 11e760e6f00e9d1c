"""Print the OpenAPI document generated from the schemas (`make contract`)."""

from __future__ import annotations

import json
import sys
import tempfile

from service.app import create_app
from service.config import Config


def openapi_document() -> dict:  # type: ignore[type-arg]
    config = Config()
    with tempfile.TemporaryDirectory() as tmp:
        config.DATABASE_URL = f"sqlite:///{tmp}/contract.db"
        app = create_app(config)
        with app.test_request_context():
            document: dict = app.extensions["ceksilang.api"].spec.to_dict()  # type: ignore[type-arg]
        app.extensions["ceksilang"].db.dispose()
    return document


def main() -> None:
    json.dump(openapi_document(), sys.stdout, indent=2, ensure_ascii=False, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
