# Seed 003, slide "Profiling in PyTorch".
# Adaptations: `model` and `input` are the earlier slides' nn.Sequential and a random batch;
# without a GPU, torch disables CUDA profiling (warning) and profiles the CPU; the table's timing
# rows are not compared ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]

torch.manual_seed(0)  # [seed-test]
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))  # [seed-test]
input = torch.randn(5, 4)  # [seed-test]

import torch.profiler

with torch.profiler.profile(
    activities=[
        torch.profiler.ProfilerActivity.CPU,
        torch.profiler.ProfilerActivity.CUDA,
    ],
    record_shapes=True,
    profile_memory=True
) as prof:
    model(input)

print(prof.key_averages().table(
    sort_by="cuda_time_total"))
print("has events:", len(prof.key_averages()) > 0)  # [seed-test]
