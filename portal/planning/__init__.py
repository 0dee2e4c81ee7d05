"""Spare-parts stocking plans (配件储备计划): seasons' plans, suggested quantities, review."""
