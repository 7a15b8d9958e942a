"""Models, one module per aggregate; importing this registers them all."""

from reform.models.frameworks import Criterion, Framework
from reform.models.units import Block, Unit
from reform.models.users import ROLES, User, UserRole

__all__ = ["ROLES", "Block", "Criterion", "Framework", "Unit", "User", "UserRole"]
