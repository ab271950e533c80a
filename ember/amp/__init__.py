"""ember.amp (torch.amp): autocast and GradScaler (see autocast_mode.py and grad_scaler.py)."""

from ember.amp.autocast_mode import autocast  # noqa: F401
from ember.amp.autocast_mode import custom_bwd  # noqa: F401
from ember.amp.autocast_mode import custom_fwd  # noqa: F401
from ember.amp.autocast_mode import get_autocast_dtype  # noqa: F401
from ember.amp.autocast_mode import is_autocast_available  # noqa: F401
from ember.amp.autocast_mode import is_autocast_enabled  # noqa: F401
from ember.amp.grad_scaler import GradScaler  # noqa: F401
