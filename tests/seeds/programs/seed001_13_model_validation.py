# Seed 001, slide 13: Advanced Model Validation and Metrics.
# Adaptations: imports the block needs; `YourModelClass` and `dataset` (undefined in the seed)
# are a small binary classifier and 100 local samples; the seed calls
# `self.train_and_evaluate`, which it never defines: a minimal one is added (2 epochs of training,
# then the seed's calculate_metrics on the validation fold, keeping the scalar metrics so that
# the seed's `{value:.4f}` print works); metric values depend on random splits and
# initialisation (masked) ([seed-test] lines).
import numpy as np
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]
from torch.utils.data import DataLoader, TensorDataset  # [seed-test]
from sklearn.model_selection import KFold
from sklearn.metrics import confusion_matrix, roc_curve, auc

torch.manual_seed(0)  # [seed-test]
np.random.seed(0)  # [seed-test]


class YourModelClass(nn.Module):  # [seed-test]
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))

    def forward(self, x):
        return self.net(x)


rng = np.random.default_rng(0)  # [seed-test]
features = rng.standard_normal((100, 8)).astype(np.float32)  # [seed-test]
targets = (features[:, 0] + features[:, 1] > 0).astype(np.int64)  # [seed-test]
dataset = TensorDataset(torch.from_numpy(features), torch.from_numpy(targets))  # [seed-test]

class ModelValidator:
    def __init__(self, model_class, num_folds=5):
        self.model_class = model_class
        self.num_folds = num_folds
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        
    def k_fold_validation(self, dataset, batch_size):
        kfold = KFold(n_splits=self.num_folds, shuffle=True)
        results = []
        
        for fold, (train_ids, val_ids) in enumerate(kfold.split(dataset)):
            # Create data loaders for this fold
            train_subsampler = torch.utils.data.SubsetRandomSampler(train_ids)
            val_subsampler = torch.utils.data.SubsetRandomSampler(val_ids)
            
            train_loader = DataLoader(dataset, batch_size=batch_size, 
                                    sampler=train_subsampler)
            val_loader = DataLoader(dataset, batch_size=batch_size,
                                  sampler=val_subsampler)
            
            # Initialize model for this fold
            model = self.model_class().to(self.device)
            optimizer = torch.optim.Adam(model.parameters())
            criterion = nn.CrossEntropyLoss()
            
            # Train and evaluate
            fold_results = self.train_and_evaluate(
                model, train_loader, val_loader, 
                criterion, optimizer
            )
            results.append(fold_results)
            
        return self.aggregate_results(results)

    def train_and_evaluate(self, model, train_loader, val_loader, criterion, optimizer):  # [seed-test]
        for epoch in range(2):
            model.train()
            for x, y in train_loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
        model.eval()
        labels, preds, probs = [], [], []
        with torch.no_grad():
            for x, y in val_loader:
                out = model(x)
                labels.extend(y.numpy())
                preds.extend(out.argmax(1).numpy())
                probs.extend(torch.softmax(out, dim=1)[:, 1].numpy())
        print("fold sizes:", len(train_loader.sampler), len(val_loader.sampler),
              "batches:", len(train_loader), len(val_loader))
        metrics = self.calculate_metrics(np.array(labels), np.array(preds), np.array(probs))
        print("confusion matrix total:", metrics.pop('confusion_matrix').sum())
        return metrics
    
    def calculate_metrics(self, true_labels, predictions, probabilities):
        # Confusion Matrix
        conf_matrix = confusion_matrix(true_labels, predictions)
        
        # ROC Curve and AUC
        fpr, tpr, _ = roc_curve(true_labels, probabilities)
        roc_auc = auc(fpr, tpr)
        
        # Precision, Recall, F1
        precision = conf_matrix[1,1] / (conf_matrix[1,1] + conf_matrix[0,1])
        recall = conf_matrix[1,1] / (conf_matrix[1,1] + conf_matrix[1,0])
        f1 = 2 * (precision * recall) / (precision + recall)
        
        return {
            'confusion_matrix': conf_matrix,
            'roc_auc': roc_auc,
            'precision': precision,
            'recall': recall,
            'f1_score': f1
        }
    
    def aggregate_results(self, results):
        metrics = {}
        for metric in results[0].keys():
            values = [r[metric] for r in results]
            metrics[f'{metric}_mean'] = np.mean(values)
            metrics[f'{metric}_std'] = np.std(values)
        return metrics

# Example usage
validator = ModelValidator(YourModelClass, num_folds=5)
results = validator.k_fold_validation(dataset, batch_size=32)
print("\nValidation Results:")
for metric, value in results.items():
    print(f"{metric}: {value:.4f}")
