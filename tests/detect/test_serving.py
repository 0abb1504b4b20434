"""The one reader of a Dockerfile's server port, shared by init and doctor."""

from __future__ import annotations

import pytest

from generator.detect.serving import read_dockerfile


@pytest.mark.parametrize(
    ("command", "port", "evidence"),
    [
        ('CMD ["gunicorn", "--bind", "0.0.0.0:5000", "app:app"]', 5000, "gunicorn --bind 0.0.0.0:5000"),
        ("CMD gunicorn -b :8080 -w 2 app:app", 8080, "gunicorn -b :8080"),
        ('CMD ["gunicorn", "--bind=0.0.0.0:9000", "app:app"]', 9000, "gunicorn --bind 0.0.0.0:9000"),
        ("CMD gunicorn app:app", 8000, "gunicorn's default port"),
        ('CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "80"]', 80, "uvicorn --port 80"),
        ('CMD ["fastapi", "run", "app/main.py", "--port", "5000"]', 5000, "fastapi --port 5000"),
        ('CMD ["fastapi", "run", "app/main.py"]', 8000, "fastapi's default port"),
        ("CMD flask --app app run --host 0.0.0.0", 5000, "flask's default port"),
        ("CMD flask run -p 7000", 7000, "flask -p 7000"),
        ('CMD ["python", "-m", "uvicorn", "api:app", "--port=7860"]', 7860, "uvicorn --port 7860"),
        ('CMD ["sh", "-c", "exec gunicorn --bind 0.0.0.0:${PORT:-8080} app:app"]', 8080, "gunicorn --bind"),
        ('ENTRYPOINT ["uv", "run"]\nCMD ["uvicorn", "main:app", "--port", "8001"]', 8001, "uvicorn --port"),
    ],
)
def test_server_command_lines(command: str, port: int, evidence: str) -> None:
    found = read_dockerfile(f"FROM python:3.12-slim\n{command}\n").command
    assert found is not None
    assert found.port == port
    assert found.evidence.startswith(evidence)


def test_env_port_feeds_the_command_and_gunicorns_default() -> None:
    text = "FROM python:3.12\nENV PORT=5050\nEXPOSE 5050\nCMD gunicorn --bind 0.0.0.0:$PORT app:app\n"
    ports = read_dockerfile(text)
    assert ports.command is not None and ports.command.port == 5050
    assert ports.env_port == (5050, 2)
    assert ports.exposed == ((5050, 3),)
    bare = read_dockerfile("FROM python:3.12\nENV PORT=7000\nCMD gunicorn app:app\n").command
    assert bare is not None and (bare.port, bare.evidence) == (7000, "gunicorn with ENV PORT=7000")


def test_without_a_known_server_the_dockerfile_still_says_something() -> None:
    ports = read_dockerfile('FROM python:3.12\nEXPOSE 8501/tcp\nCMD ["python", "serve.py"]\n')
    assert ports.command is None
    assert ports.port == (8501, "EXPOSE 8501 (Dockerfile line 2)")
    assert read_dockerfile("FROM python:3.12\n").port is None


def test_only_the_final_stage_counts() -> None:
    text = "FROM python:3.12 AS build\nEXPOSE 1234\nFROM python:3.12-slim\nCMD uvicorn m:app --port 81\n"
    ports = read_dockerfile(text)
    assert ports.exposed == ()
    assert ports.port == (81, "uvicorn --port 81 (Dockerfile line 4)")
