# Seed 001, slide 7: Implementing Attention Mechanism.
# Adaptations: imports (the seed's block continues earlier slides), manual_seed, checks that do
# not depend on random values ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]
import torch.nn.functional as F  # [seed-test]

torch.manual_seed(0)  # [seed-test]

class AttentionLayer(nn.Module):
    def __init__(self, embed_dim, num_heads):
        super(AttentionLayer, self).__init__()
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        
        self.q_linear = nn.Linear(embed_dim, embed_dim)
        self.k_linear = nn.Linear(embed_dim, embed_dim)
        self.v_linear = nn.Linear(embed_dim, embed_dim)
        
        self.scaling = float(self.head_dim) ** -0.5
        
    def forward(self, query, key, value, mask=None):
        batch_size = query.shape[0]
        
        # Linear transformations
        Q = self.q_linear(query)
        K = self.k_linear(key)
        V = self.v_linear(value)
        
        # Reshape for multi-head attention
        Q = Q.view(batch_size, -1, self.num_heads, self.head_dim).transpose(1, 2)
        K = K.view(batch_size, -1, self.num_heads, self.head_dim).transpose(1, 2)
        V = V.view(batch_size, -1, self.num_heads, self.head_dim).transpose(1, 2)
        
        # Scaled dot-product attention
        scores = torch.matmul(Q, K.transpose(-2, -1)) * self.scaling
        
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -1e9)
        
        attention = F.softmax(scores, dim=-1)
        output = torch.matmul(attention, V)
        
        # Reshape back
        output = output.transpose(1, 2).contiguous().view(batch_size, -1, self.embed_dim)
        
        return output, attention

# Example usage
attention = AttentionLayer(embed_dim=512, num_heads=8)
x = torch.randn(32, 10, 512)  # batch_size=32, seq_len=10, embed_dim=512
output, attention_weights = attention(x, x, x)
print(f"Output shape: {output.shape}")
print(f"Attention weights shape: {attention_weights.shape}")
print("rows sum to 1:", torch.allclose(attention_weights.sum(-1), torch.ones(32, 8, 10)))  # [seed-test]
mask = torch.tril(torch.ones(10, 10))  # [seed-test]
_, masked_weights = attention(x, x, x, mask=mask)  # [seed-test]
print("masked weights are 0:", bool((masked_weights[..., mask == 0] == 0).all()))  # [seed-test]
print(output.grad_fn.name(), attention_weights.grad_fn.name())  # [seed-test]
