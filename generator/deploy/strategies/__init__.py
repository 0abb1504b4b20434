"""The strategy registry: the spec's allowed `strategy` values are its keys."""

from __future__ import annotations

from generator.deploy.strategies.base import Strategy
from generator.deploy.strategies.basic import BasicStrategy
from generator.deploy.strategies.canary import CanaryStrategy
from generator.deploy.strategies.shadow import ShadowStrategy

STRATEGIES: dict[str, Strategy] = {
    "basic": BasicStrategy(),
    "shadow": ShadowStrategy(),
    "canary": CanaryStrategy(),
}
