# Seed 002, code block 13: Neural Networks with PyTorch: A Complete Example (MNIST CNN).
# Adaptations: the MNIST download (torchvision.datasets.MNIST + ToTensor/Normalize transforms) is
# replaced by local data of the same shape (1x28x28 float images, already normalised, labels
# 0-9): 128 training and 64 test images, so no torchvision import; plotting runs only if
# matplotlib is installed (Agg backend); manual_seed; values that depend on the random
# initialisation, dropout and shuffling are masked; checks ([seed-test] lines).
import torch
import torch.nn as nn
import torch.optim as optim
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torch.utils.data import TensorDataset  # [seed-test] replaces torchvision's datasets
import numpy as np  # [seed-test]
try:  # [seed-test] plot only where matplotlib is installed
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

torch.manual_seed(0)  # [seed-test]

# Check if CUDA is available
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
print(f"Using device: {device}")

# [seed-test] local stand-ins for datasets.MNIST(..., transform=ToTensor + Normalize)
rng = np.random.default_rng(0)
def local_mnist(n):
    images = torch.tensor(rng.standard_normal((n, 1, 28, 28)), dtype=torch.float32)
    labels = torch.tensor(rng.integers(0, 10, n))
    return TensorDataset(images, labels)

# Download and load training data
train_dataset = local_mnist(128)  # [seed-test] was datasets.MNIST('./data', train=True, ...)
train_loader = DataLoader(train_dataset, batch_size=64, shuffle=True)

# Download and load test data
test_dataset = local_mnist(64)  # [seed-test] was datasets.MNIST('./data', train=False, ...)
test_loader = DataLoader(test_dataset, batch_size=1000, shuffle=False)

# Explore the data
for images, labels in train_loader:
    print(f"Batch shape: {images.shape}")
    print(f"Labels shape: {labels.shape}")
    print(f"First few labels: {labels[:10]}")

    # Display the first 6 images
    if plt is not None:  # [seed-test]
        fig, axes = plt.subplots(2, 3, figsize=(10, 6))
        axes = axes.ravel()

        for i in range(6):
            img = images[i].squeeze().numpy()
            axes[i].imshow(img, cmap='gray')
            axes[i].set_title(f"Label: {labels[i].item()}")
            axes[i].axis('off')

        plt.tight_layout()
        plt.show()
    break  # Just look at one batch

# Define a Convolutional Neural Network
class ConvNet(nn.Module):
    def __init__(self):
        super(ConvNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)  # 1 input channel, 32 output channels, 3x3 kernel
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(9216, 128)  # 9216 = 12 * 12 * 64
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        # First convolution block
        x = self.conv1(x)           # Apply conv1: output shape [batch, 32, 26, 26]
        x = F.relu(x)               # Apply ReLU activation
        x = self.conv2(x)           # Apply conv2: output shape [batch, 64, 24, 24]
        x = F.relu(x)               # Apply ReLU activation
        x = F.max_pool2d(x, 2)      # Apply max pooling: output shape [batch, 64, 12, 12]
        x = self.dropout1(x)        # Apply dropout

        # Flatten for fully connected layers
        x = torch.flatten(x, 1)     # Flatten: output shape [batch, 9216]

        # Fully connected layers
        x = self.fc1(x)             # Apply fc1: output shape [batch, 128]
        x = F.relu(x)               # Apply ReLU activation
        x = self.dropout2(x)        # Apply dropout
        x = self.fc2(x)             # Apply fc2: output shape [batch, 10]

        # Log softmax for numerical stability
        output = F.log_softmax(x, dim=1)

        return output

# Instantiate the model and move it to the device
model = ConvNet().to(device)
print(model)

# Define loss function and optimizer
criterion = F.nll_loss
optimizer = optim.Adam(model.parameters(), lr=0.001)

# Training loop
def train(model, device, train_loader, optimizer, epoch):
    model.train()  # Set model to training mode

    for batch_idx, (data, target) in enumerate(train_loader):
        # Move data to device
        data, target = data.to(device), target.to(device)

        # Clear gradients
        optimizer.zero_grad()

        # Forward pass
        output = model(data)

        # Calculate loss
        loss = criterion(output, target)

        # Backward pass
        loss.backward()

        # Update weights
        optimizer.step()

        # Print progress
        if batch_idx % 100 == 0:
            print(f'Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)} '
                  f'({100. * batch_idx / len(train_loader):.0f}%)]\tLoss: {loss.item():.6f}')

# Testing loop
def test(model, device, test_loader):
    model.eval()  # Set model to evaluation mode
    test_loss = 0
    correct = 0

    with torch.no_grad():  # Disable gradient computation
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)

            # Sum up batch loss
            test_loss += criterion(output, target, reduction='sum').item()

            # Get the index of the max log-probability
            pred = output.argmax(dim=1, keepdim=True)

            # Count correct predictions
            correct += pred.eq(target.view_as(pred)).sum().item()

    # Calculate average loss and accuracy
    test_loss /= len(test_loader.dataset)
    accuracy = 100. * correct / len(test_loader.dataset)

    print(f'\nTest set: Average loss: {test_loss:.4f}, '
          f'Accuracy: {correct}/{len(test_loader.dataset)} ({accuracy:.2f}%)\n')

    return accuracy

# Train and evaluate the model
epochs = 3
accuracies = []

for epoch in range(1, epochs + 1):
    train(model, device, train_loader, optimizer, epoch)
    accuracy = test(model, device, test_loader)
    accuracies.append(accuracy)

# Plot accuracy over epochs
if plt is not None:  # [seed-test]
    plt.figure(figsize=(10, 6))
    plt.plot(range(1, epochs + 1), accuracies, marker='o', linestyle='-', color='b')
    plt.title('Test Accuracy vs. Epoch')
    plt.xlabel('Epoch')
    plt.ylabel('Accuracy (%)')
    plt.xticks(range(1, epochs + 1))
    plt.grid(True)
    plt.show()

# Save the model
torch.save(model.state_dict(), "mnist_cnn.pt")
print("Model saved to mnist_cnn.pt")

# Example of loading the model
loaded_model = ConvNet().to(device)
loaded_model.load_state_dict(torch.load("mnist_cnn.pt"))
print("Model loaded successfully!")

# Visualize model predictions
def visualize_predictions(model, device, test_loader, num_samples=10):
    model.eval()
    images, labels = next(iter(test_loader))
    images = images[:num_samples].to(device)
    labels = labels[:num_samples]

    with torch.no_grad():
        outputs = model(images)
        predictions = outputs.argmax(dim=1, keepdim=True).cpu()

    loaded_model.eval()  # [seed-test]
    with torch.no_grad():  # [seed-test]
        print("loaded model agrees:", torch.equal(loaded_model(images).argmax(dim=1, keepdim=True), predictions))
    print(predictions.shape, predictions.dtype, labels.shape)  # [seed-test]
    if plt is None:  # [seed-test]
        return

    # Plot images with predictions
    fig, axes = plt.subplots(1, num_samples, figsize=(20, 4))
    for i in range(num_samples):
        img = images[i].cpu().squeeze().numpy()
        axes[i].imshow(img, cmap='gray')
        color = 'green' if predictions[i].item() == labels[i].item() else 'red'
        axes[i].set_title(f"Pred: {predictions[i].item()}\nTrue: {labels[i].item()}", color=color)
        axes[i].axis('off')

    plt.tight_layout()
    plt.show()

visualize_predictions(model, device, test_loader)
print("accuracies recorded:", len(accuracies))  # [seed-test]
