"""The synthetic company generator (`revlake generate`): exports of a B2B SaaS plus truth."""

from __future__ import annotations

from revlake.demo.generate import GenerateConfig, generate_company

__all__ = ["GenerateConfig", "generate_company"]
