"""Housekeeping of the embedded broker (kombu's SQLAlchemy transport on SQLite, see settings).

The transport never deletes a message: a delivered one stays in its table marked visible = 0 (a message that a
stopping worker hands back is stored anew, so a delivered row is never read again). At about 1 KB a message and
three a minute that is a gigabyte a year of dead rows; beat has them removed every hour."""

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

SQLA_PREFIXES = ("sqla+", "sqlalchemy+")
MESSAGE_TABLE = "kombu_message"  # the transport's default table name (settings set no other)


def prune_delivered_messages(broker_url: str) -> int:
    """Delete the messages already delivered from a SQLAlchemy broker; returns how many. Other brokers: 0."""
    if not broker_url.startswith(SQLA_PREFIXES):
        return 0
    database_url = broker_url.split("+", 1)[1]
    connect_args = {"timeout": 30} if database_url.startswith("sqlite") else {}
    engine = create_engine(database_url, connect_args=connect_args)
    try:
        with engine.begin() as connection:
            deleted = connection.execute(text(f"DELETE FROM {MESSAGE_TABLE} WHERE visible = :no"), {"no": False})
            return deleted.rowcount
    except OperationalError:  # no table yet: nothing was ever sent
        return 0
    finally:
        engine.dispose()
