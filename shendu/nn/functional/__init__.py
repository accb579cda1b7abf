"""``shendu.nn.functional``: the functional forms of layers and losses, as
``torch.nn.functional``, one family per file. Fused ops (convolution, pooling, normalization,
softmax cross-entropy, attention, recurrent cells) have their closed-form backward here."""

from ...ops.indexing import one_hot  # noqa: F401
from ...ops.pad import pad  # noqa: F401
from ...ops.pointwise import sigmoid, tanh  # noqa: F401
from ...ops.softmax import log_softmax, softmax  # noqa: F401
from .activation import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .sampling import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
