# The app image (Python 3.11): action server, Telegram bot, staff console and the
# `assistant` command, with the offline embedding model and the knowledge index built in.
# Built from the project root: docker compose -f deploy/compose/docker-compose.yml build
FROM python:3.11-slim-bookworm

# pg_dump for `assistant backup` of a PostgreSQL claims store; a C toolchain for the few sdists.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential postgresql-client \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 10001 --user-group --home-dir /srv/assistant --shell /usr/sbin/nologin assistant
WORKDIR /srv/assistant

# torch==…+cpu is PyTorch's CPU build: give pip its wheel index or a folder holding the wheel,
# e.g. --build-arg PIP_EXTRA_INDEX_URL=… or PIP_FIND_LINKS=… (as on the development machines).
ARG PIP_EXTRA_INDEX_URL=
ARG PIP_FIND_LINKS=
COPY requirements/app.lock requirements/app.lock
RUN grep '^torch==' requirements/app.lock > /tmp/torch.txt \
 && pip install --no-cache-dir --no-deps -r /tmp/torch.txt \
 && pip install --no-cache-dir --ignore-requires-python --no-deps -r requirements/app.lock

COPY . .
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e . \
 && assistant setup-model \
 && INDEX_DIR=/srv/assistant/index assistant index

ENV ASSISTANT_STATE_DIR=/var/lib/assistant \
    EMBEDDING_MODEL=/srv/assistant/var/embedding/multilingual-e5-small \
    INDEX_DIR=/var/lib/assistant/index \
    PYTHONUNBUFFERED=1
# The state volume starts with the built index; staff rebuild it there (`assistant index`).
RUN mkdir -p /var/lib/assistant && cp -a /srv/assistant/index /var/lib/assistant/index \
 && chown -R assistant:assistant /var/lib/assistant && chmod 0700 /var/lib/assistant
VOLUME /var/lib/assistant
USER assistant
CMD ["python", "-m", "actions.server"]
