// Energy per operation, from Horowitz (ISSCC 2014) at 45 nm, as the SNN papers use it.
namespace Snn.Compression.Accounting;

/// <summary>
/// E = ACs·E_AC + MACs·E_MAC. A spike arriving at a synapse costs an accumulate (AC, 0.9 pJ for 32-bit float add);
/// a real-valued input costs a multiply-accumulate (MAC, 4.6 pJ). These are the constants Spikformer,
/// Spike-driven Transformer and LitE-SNN use.
/// </summary>
public sealed record EnergyModel(double PicojoulesPerAc = 0.9, double PicojoulesPerMac = 4.6)
{
    public static EnergyModel Cmos45nm { get; } = new();

    public double Picojoules(double acs, double macs) => acs * PicojoulesPerAc + macs * PicojoulesPerMac;
}
