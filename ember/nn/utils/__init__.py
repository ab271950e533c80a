"""ember.nn.utils: gradient clipping, parameter/vector conversion, weight and spectral norm,
parametrizations, conv-bn fusion, and (in rnn) sequence packing."""

from ember.nn.utils import parametrizations  # noqa: F401
from ember.nn.utils import parametrize  # noqa: F401
from ember.nn.utils import rnn  # noqa: F401
from ember.nn.utils.clip_grad import clip_grad_norm  # noqa: F401
from ember.nn.utils.clip_grad import clip_grad_norm_  # noqa: F401
from ember.nn.utils.clip_grad import clip_grad_value_  # noqa: F401
from ember.nn.utils.clip_grad import clip_grads_with_norm_  # noqa: F401
from ember.nn.utils.clip_grad import get_total_norm  # noqa: F401
from ember.nn.utils.convert_parameters import parameters_to_vector  # noqa: F401
from ember.nn.utils.convert_parameters import vector_to_parameters  # noqa: F401
from ember.nn.utils.fusion import fuse_conv_bn_eval  # noqa: F401
from ember.nn.utils.fusion import fuse_conv_bn_weights  # noqa: F401
from ember.nn.utils.fusion import fuse_linear_bn_eval  # noqa: F401
from ember.nn.utils.fusion import fuse_linear_bn_weights  # noqa: F401
from ember.nn.utils.spectral_norm import remove_spectral_norm  # noqa: F401
from ember.nn.utils.spectral_norm import spectral_norm  # noqa: F401
from ember.nn.utils.weight_norm import remove_weight_norm  # noqa: F401
from ember.nn.utils.weight_norm import weight_norm  # noqa: F401
from ember.nn.utils import prune  # noqa: F401,E402
