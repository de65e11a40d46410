"""The store's schema: the migrations that build it, one step per version of the file."""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: clients, sessions, answers
    """
    CREATE TABLE clients (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE,
        questionnaire_id TEXT NOT NULL,
        questionnaire_version TEXT NOT NULL,
        questionnaire_sha256 TEXT NOT NULL,
        questionnaire_source TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('in_progress', 'interrupted', 'complete')),
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        completed_at TEXT,
        worst_pain REAL,
        result_json TEXT
    );
    CREATE INDEX sessions_by_client ON sessions(client_id, started_at);
    CREATE INDEX sessions_by_status ON sessions(status, started_at);
    CREATE TABLE answers (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        value_json TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (session_id, question_id)
    );
    """,
    # 2: the most urgent warning sign of each session, for lists; the outputs a run was asked
    # to write, so that resume writes them
    """
    ALTER TABLE sessions ADD COLUMN warning TEXT;
    ALTER TABLE sessions ADD COLUMN outputs_json TEXT
    """,
    # 3: a re-assessment names the session it re-assesses
    """
    ALTER TABLE sessions ADD COLUMN previous_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
STATUSES = ("in_progress", "interrupted", "complete")
