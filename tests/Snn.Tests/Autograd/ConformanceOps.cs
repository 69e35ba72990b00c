// Maps each conformance case's op name and attrs onto SnnNet's API.
using System.Text.Json;
using Snn.Autograd;
using Snn.Autograd.Optim;
using Snn.Kernels;

namespace Snn.Tests.Autograd;

internal static class ConformanceOps
{
    public static Dictionary<string, Variable> Run(string op, JsonElement attrs, Dictionary<string, Variable> x) => op switch
    {
        "conv2d" => One("y", F.Conv2d(x["x"], x["w"], x["b"], Int(attrs, "stride"), Int(attrs, "padding"))),
        "maxpool2d" => One("y", F.MaxPool2d(x["x"], Int(attrs, "kernel"), Int(attrs, "stride"), Int(attrs, "padding"))),
        "batchnorm2d_eval" => One("y", F.BatchNorm(x["x"], x["gamma"], x["beta"], x["running_mean"].Data, x["running_var"].Data, 1,
            training: false, Float(attrs, "eps"))),
        "batchnorm2d_train" => BatchNormTrain(x, attrs),
        "linear" => One("y", F.Linear(x["x"], x["w"], x["b"])),
        "cross_entropy" => One("loss", F.CrossEntropy(x["logits"], x["target"].Data.ToArray().Select(v => (int)v).ToArray())),
        "lif_multistep" => One("spikes", F.Neuron(x["x"], LifSpec(attrs))),
        "lif_decay_multistep" => One("spikes", F.Neuron(x["x"], NeuronSpec.DecayLif(Float(attrs, "decay"), Float(attrs, "v_th"),
            Surrogate.Parse(attrs.GetProperty("surrogate").GetString()!, Float(attrs, "alpha"))))),
        "gumbel_softmax_hard" => One("y", F.GumbelSoftmaxHard(x["logits"], x["gumbel"].Data, Float(attrs, "tau"))),
        "score_mask" => One("w_eff", F.ScoreMask(x["w"], x["scores"], Float(attrs, "keep_ratio"))),
        "quant_symmetric" => One("wq", F.QuantizeSymmetric(x["w"], Int(attrs, "bits"))),
        "quant_gaussian" => One("wq", F.QuantizeGaussian(x["w"], Int(attrs, "bits"))),
        "compconv_weight" => One("w_eff", F.CompConvWeight(x["w"], x["scores"], x["beta"],
            attrs.GetProperty("bits").EnumerateArray().Select(b => b.GetInt32()).ToArray(), Float(attrs, "keep_ratio"))),
        "ssa_core" => One("attn", F.SpikingSelfAttention(x["q"], x["k"], x["v"], Float(attrs, "scale"))),
        "sdsa_core" => One("y", F.SpikeDrivenSelfAttention(x["q"], x["k"], x["v"], kv => F.Neuron(kv, LifSpec(attrs)))),
        "optimizer_sgd_momentum" => Optimize(x, p => new Sgd(p, Float(attrs, "lr"), Float(attrs, "momentum"), Float(attrs, "weight_decay"))),
        "optimizer_sgd_nesterov" => Optimize(x, p => new Sgd(p, Float(attrs, "lr"), Float(attrs, "momentum"), Float(attrs, "weight_decay"), nesterov: true)),
        "optimizer_adam" => Optimize(x, p => new Adam(p, Float(attrs, "lr"), Float(attrs, "beta1"), Float(attrs, "beta2"), Float(attrs, "eps"))),
        "optimizer_adamw" => Optimize(x, p => new Adam(p, Float(attrs, "lr"), Float(attrs, "beta1"), Float(attrs, "beta2"), Float(attrs, "eps"),
            Float(attrs, "weight_decay"), decoupled: true)),
        _ => throw new NotSupportedException($"Conformance: unknown op '{op}'. Implement it; unknown ops must fail, not skip."),
    };

    /// <summary>Batch statistics forward; the running statistics start at mean 0, var 1 and are outputs too.</summary>
    private static Dictionary<string, Variable> BatchNormTrain(Dictionary<string, Variable> x, JsonElement attrs)
    {
        int channels = x["gamma"].Data.Length;
        var runningMean = Tensor.Zeros(channels);
        var runningVar = Tensor.Ones(channels);
        var y = F.BatchNorm(x["x"], x["gamma"], x["beta"], runningMean, runningVar, 1, training: true, Float(attrs, "eps"), Float(attrs, "momentum"));
        return new() { ["y"] = y, ["running_mean"] = Variable.Constant(runningMean), ["running_var"] = Variable.Constant(runningVar) };
    }

    private static NeuronSpec LifSpec(JsonElement a)
    {
        float? vReset = a.GetProperty("v_reset").ValueKind == JsonValueKind.Null ? null : Float(a, "v_reset");
        var surrogate = Surrogate.Parse(a.GetProperty("surrogate").GetString()!, Float(a, "alpha"));
        return NeuronSpec.Lif(Float(a, "tau"), Float(a, "v_th"), vReset, a.GetProperty("decay_input").GetBoolean(),
            a.GetProperty("detach_reset").GetBoolean(), surrogate);
    }

    /// <summary>Applies g1, g2, g3 in turn from p0 and reports the parameter after each step as p1, p2, p3.</summary>
    private static Dictionary<string, Variable> Optimize(Dictionary<string, Variable> x, Func<IReadOnlyList<Variable>, Optimizer> make)
    {
        var p = Variable.Parameter(x["p0"].Data.Clone());
        var optimizer = make([p]);
        var result = new Dictionary<string, Variable>();
        for (int step = 1; x.ContainsKey($"g{step}"); step++)
        {
            p.Grad = x[$"g{step}"].Data.Clone();
            optimizer.Step();
            result[$"p{step}"] = Variable.Constant(p.Data.Clone());
        }
        return result;
    }

    private static Dictionary<string, Variable> One(string name, Variable v) => new() { [name] = v };

    private static float Float(JsonElement a, string name) => a.GetProperty(name).GetSingle();

    private static int Int(JsonElement a, string name) => a.GetProperty(name).GetInt32();
}
