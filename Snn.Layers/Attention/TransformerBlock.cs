// The residual block all three spiking transformers share: x + Attn(x), then x + MLP(x).
using Snn.Autograd;

namespace Snn.Layers.Attention;

/// <summary>
/// x ← x + attn(x); x ← x + mlp(x) over tokens [T, N, L, D]. What the stream carries is decided by the sub-blocks:
/// spike counts when they end in a LIF (Spikformer), BN outputs when they start with one (SDT, Spikingformer).
/// No LayerNorm: the papers construct one but never call it, and it would break the spiking arithmetic.
/// </summary>
public sealed class TransformerBlock : Module
{
    private readonly Module _attention;
    private readonly Module _mlp;

    public TransformerBlock(Module attention, Module mlp)
    {
        _attention = Child("attn", attention);
        _mlp = Child("mlp", mlp);
    }

    public override Variable Forward(Variable x)
    {
        x = F.Add(x, _attention.Forward(x));
        return F.Add(x, _mlp.Forward(x));
    }
}
