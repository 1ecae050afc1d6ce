"""Bulk inserts with ids chosen here: Core executemany in batches, no ORM objects."""

from sqlalchemy import func, insert, select, text

from reviewapp.extensions import db

BATCH = 5000


def next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def insert_rows(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model.__table__), rows[start:start + BATCH])


def reset_sequences(models) -> None:
    """PostgreSQL: ids were given explicitly, so move each identity on past them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__table__.name
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM \"{table}\"), false)"))


class PendingRows:
    """Rows waiting to be inserted, per model (inserted in the order given),
    and the next free id of each model that has an `id` column."""

    def __init__(self, models):
        self.rows: dict = {model: [] for model in models}
        self.ids = {model: next_id(model) for model in models
                    if "id" in model.__table__.c}

    def add(self, model, **values) -> int | None:
        """Queue one row; a model with ids gets the next one (returned)."""
        if model in self.ids:
            values["id"] = self.ids[model]
            self.ids[model] += 1
        self.rows[model].append(values)
        return values.get("id")

    def count(self, model) -> int:
        return len(self.rows[model])

    def flush(self) -> None:
        for model, rows in self.rows.items():
            insert_rows(model, rows)
            rows.clear()

    def reset_sequences(self) -> None:
        reset_sequences(list(self.ids))
