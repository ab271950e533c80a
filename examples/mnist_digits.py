"""The seeds' MNIST ConvNet, adapted to scikit-learn's 8x8 handwritten digits, trained on ember.

This is a PyTorch program: only the import line differs (`import ember as torch`). It trains with
the seed's train/test loop, shows a progress bar per epoch, reports test accuracy per epoch,
saves a checkpoint with torch.save, reloads it to verify the accuracy, and plots accuracy per
epoch to a PNG when matplotlib is installed.

    python examples/mnist_digits.py [--epochs N] [--out DIR]
"""

import argparse
import os
import time

import numpy as np

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.utils.data import DataLoader
from ember.utils.data import TensorDataset


class ConvNet(nn.Module):
    """The seed's ConvNet with fc1 sized for 8x8 inputs (64 channels x 2 x 2 after pooling)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout(0.5)  # the seed's Dropout2d on [batch, 128] warns in torch
        self.fc1 = nn.Linear(256, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))      # [batch, 32, 6, 6]
        x = F.relu(self.conv2(x))      # [batch, 64, 4, 4]
        x = F.max_pool2d(x, 2)         # [batch, 64, 2, 2]
        x = self.dropout1(x)
        x = torch.flatten(x, 1)        # [batch, 256]
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def load_digits(seed=0):
    """scikit-learn's bundled digits (1797 images, 8x8), split 80/20, normalised."""
    from sklearn.datasets import load_digits as sk_digits

    data = sk_digits()
    images = (data.images / 16.0).astype(np.float32)[:, None]  # [N, 1, 8, 8] in [0, 1]
    labels = data.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    images, labels = images[order], labels[order]
    split = int(0.8 * len(labels))
    mean, std = images[:split].mean(), images[:split].std()
    images = (images - mean) / std
    train = TensorDataset(torch.from_numpy(images[:split]), torch.from_numpy(labels[:split]))
    test = TensorDataset(torch.from_numpy(images[split:]), torch.from_numpy(labels[split:]))
    return train, test


def progress(iterable, desc):
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=desc, unit="batch", leave=True, ncols=90)


def train(model, device, train_loader, optimizer, epoch):
    model.train()
    bar = progress(train_loader, f"epoch {epoch}")
    seen = 0
    start = time.perf_counter()
    for data, target in bar:
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        seen += len(data)
        if hasattr(bar, "set_postfix"):
            rate = seen / (time.perf_counter() - start)
            bar.set_postfix(loss=f"{loss.item():.4f}", img_per_s=f"{rate:.0f}")


def test(model, device, test_loader):
    model.eval()
    test_loss = 0.0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    n = len(test_loader.dataset)
    accuracy = 100.0 * correct / n
    print(f"Test set: Average loss: {test_loss / n:.4f}, Accuracy: {correct}/{n} "
          f"({accuracy:.2f}%)")
    return accuracy


def plot(accuracies, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot written")
        return
    plt.figure(figsize=(6, 4))
    epochs = range(1, len(accuracies) + 1)
    plt.plot(epochs, accuracies, marker="o", color="b")
    plt.title("Test accuracy per epoch (ember)")
    plt.xlabel("Epoch")
    plt.ylabel("Accuracy (%)")
    plt.grid(True)
    plt.savefig(path, dpi=100, bbox_inches="tight")
    print(f"Accuracy plot written to {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="out", help="folder for the checkpoint and the plot")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"Using device: {device}")
    train_set, test_set = load_digits()
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000, shuffle=False)

    model = ConvNet().to(device)
    print(model)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)

    start = time.perf_counter()
    accuracies = []
    for epoch in range(1, args.epochs + 1):
        train(model, device, train_loader, optimizer, epoch)
        accuracies.append(test(model, device, test_loader))
    print(f"Trained {args.epochs} epochs in {time.perf_counter() - start:.1f}s")

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "digits_cnn.pt")
    torch.save(model.state_dict(), path)
    print(f"Model saved to {path}")
    reloaded = ConvNet().to(device)
    reloaded.load_state_dict(torch.load(path))
    print("Reloaded model:", end=" ")
    reloaded_accuracy = test(reloaded, device, test_loader)
    assert abs(reloaded_accuracy - accuracies[-1]) < 1e-9, "reloaded model disagrees"
    plot(accuracies, os.path.join(args.out, "accuracy.png"))
    print(f"Final test accuracy: {accuracies[-1]:.2f}%")
    return accuracies[-1]


if __name__ == "__main__":
    main()
